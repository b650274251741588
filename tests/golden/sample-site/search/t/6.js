pithgenShard("search/t/6", {"06877v1":[0],"collaborative":[0],"xu":[0]});
