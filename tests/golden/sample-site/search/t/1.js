pithgenShard("search/t/1", {"dawei":[0],"multiple":[0]});
