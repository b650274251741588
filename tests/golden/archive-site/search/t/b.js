pithgenShard("search/t/b", {"t":{"abstract":[1,33],"ada":[36],"archive":[97],"astro":[66],"astro-ph":[66],"astro-ph.co":[66],"build":[81],"builds":[81],"with":[65]}});
