pithgenShard("search/t/f", {"deep":[0]});
