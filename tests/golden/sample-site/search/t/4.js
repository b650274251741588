pithgenShard("search/t/4", {"across":[0],"lg":[0]});
