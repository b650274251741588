pithgenShard("search/t/b", {"2309.02222":[0],"ada":[2],"cross":[1],"dana":[5,6],"learning":[1],"m56pp2td":[5],"m56pp2td5ssghzpa4xa3tkg2xm":[5],"ph.co":[4],"static":[5,6],"th/9901001v1":[7]});
