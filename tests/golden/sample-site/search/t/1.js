pithgenShard("search/t/1", {"48550":[0],"arxiv":[0],"dawei":[0],"multiple":[0],"pith:2018:4fp6z27b6dfnjryzbsxh3xon27":[0]});
