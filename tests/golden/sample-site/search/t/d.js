pithgenShard("search/t/d", {"t":{"4fp6z27b":[2],"4fp6z27b6dfnjryzbsxh3xon27":[2],"across":[8],"are":[1],"as":[1],"however":[1],"located":[1]}});
