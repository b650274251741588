pithgenShard("search/t/5", {"1810":[0],"centers":[0],"data":[0],"zheng":[0],"zibin":[0]});
