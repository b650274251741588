pithgenShard("search/t/2", {"2018:4fp6z27b6dfnjryzbsxh3xon27":[0],"48550/arxiv.1810":[0],"cs.lg":[0],"haibo":[0],"kele":[0],"wang":[0]});
