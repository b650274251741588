pithgenShard("search/t/9", {"10.48550/arxiv":[0]});
