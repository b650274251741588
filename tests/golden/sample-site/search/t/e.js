pithgenShard("search/t/e", {"t":{"av":[1],"feng":[4],"in":[1],"independent":[1],"paper":[1],"zheng":[4]}});
