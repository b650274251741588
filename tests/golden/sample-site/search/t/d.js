pithgenShard("search/t/d", {"arxiv.1810":[0],"chen":[0]});
