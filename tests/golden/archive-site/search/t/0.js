pithgenShard("search/t/0", {"t":{"bits":[1,33],"bytes":[81],"cr":[34,50],"dot":[97],"ds":[18],"for":[24,24,40],"it":[65],"make":[1,33],"on":[104],"reproducible":[88],"strings":[104],"that":[81]}});
