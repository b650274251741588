pithgenShard("search/t/2", {"t":{"most":[1],"practice":[1]}});
