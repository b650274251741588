pithgenShard("search/t/6", {"t":{"and":[1],"bandwidth":[1],"data":[9],"datacenter":[1],"previous":[1],"training":[1],"transfer":[1],"xu":[4]}});
