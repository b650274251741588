pithgenShard("search/t/b", {"feng":[0],"learning":[0]});
