pithgenShard("search/t/8", {"4fp6z27b":[0],"huaimin":[0]});
