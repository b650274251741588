pithgenShard("search/t/b", {"t":{"constraints":[1],"conventional":[1],"convex":[1],"neural":[1]}});
