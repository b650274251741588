pithgenShard("search/t/c", {"cv":[0],"ml":[0]});
