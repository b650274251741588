from pithgen.cli import main

main()
