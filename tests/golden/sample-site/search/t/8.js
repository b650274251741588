pithgenShard("search/t/8", {"48550/arxiv":[0],"48550/arxiv.1810.06877":[0],"4fp6z27b":[0],"huaimin":[0]});
