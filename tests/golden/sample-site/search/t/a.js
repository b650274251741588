pithgenShard("search/t/a", {"t":{"not":[1],"privacy":[1],"zibin":[4]}});
