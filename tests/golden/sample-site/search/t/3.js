pithgenShard("search/t/3", {"1810.06877":[0],"4fp6z27b6dfnjryzbsxh3xon27":[0],"cs":[0],"mi":[0]});
