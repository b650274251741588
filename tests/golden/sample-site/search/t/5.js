pithgenShard("search/t/5", {"t":{"deep":[9],"due":[1],"huaimin":[4],"is":[1],"regulations":[1],"studies":[1]}});
