pithgenShard("search/t/e", {"cs.cv":[0]});
