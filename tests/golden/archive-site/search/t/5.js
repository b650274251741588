pithgenShard("search/t/5", {"2306.11111":[1],"is":[0],"lattice":[7],"math.oc":[1],"ph":[3,4],"short":[0,2],"signed":[5,6],"sparse":[1]});
