pithgenShard("search/t/b", {"arxiv.1810.06877":[0],"feng":[0],"learning":[0]});
