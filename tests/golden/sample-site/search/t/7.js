pithgenShard("search/t/7", {"06877":[0],"stat":[0]});
