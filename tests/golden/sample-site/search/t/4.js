pithgenShard("search/t/4", {"t":{"all":[1],"by":[1],"lg":[2],"often":[1],"only":[1],"performance":[1],"purpose":[1],"to":[1]}});
