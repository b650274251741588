pithgenShard("search/t/e", {"cs.cv":[0],"pith":[0]});
