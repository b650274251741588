pithgenShard("search/t/5", {"10.48550/arxiv.1810":[0],"1810":[0],"centers":[0],"data":[0],"zheng":[0],"zibin":[0]});
