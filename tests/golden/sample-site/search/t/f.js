pithgenShard("search/t/f", {"deep":[0],"pith:2018":[0]});
