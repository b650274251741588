pithgenShard("search/t/0", {"10.48550":[0],"lan":[0]});
