pithgenShard("search/t/7", {"2011.01234":[4],"9901001":[7],"chay444xmp4mg4zuwwyc446kyu":[7],"co":[4],"graph":[4],"identifiers":[2,7],"oc":[1],"pr":[0,2],"stat":[1],"unal":[1]});
