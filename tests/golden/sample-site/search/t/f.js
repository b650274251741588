pithgenShard("search/t/f", {"t":{"owned":[1]}});
