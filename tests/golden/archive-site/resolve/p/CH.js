pithgenShard("resolve/p/CH", [["CHAY444XMP4MG4ZUWWYC446KYU","pith:1999:CHAY444XMP4MG4ZUWWYC446KYU","Strings on a Lattice of Old-Style Identifiers"]]);
