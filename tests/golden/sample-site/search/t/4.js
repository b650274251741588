pithgenShard("search/t/4", {"10":[0],"across":[0],"lg":[0]});
