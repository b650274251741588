pithgenShard("search/t/0", {"t":{"for":[1],"it":[1],"lan":[4],"that":[1]}});
