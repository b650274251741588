pithgenShard("resolve/a/b", {"2309.02222":[[1,"HOS3XE5IPKW5SFYF55PHYP4M64","pith:2023:HOS3XE5IPKW5SFYF55PHYP4M64","A Second Paper Whose Short Number Is Taken"]]});
