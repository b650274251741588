pithgenShard("search/t/0", {"lan":[0]});
