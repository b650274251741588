pithgenShard("search/t/6", {"06877v1":[0],"2018":[0],"collaborative":[0],"xu":[0]});
