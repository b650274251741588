pithgenShard("search/t/d", {"chen":[0]});
