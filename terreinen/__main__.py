from terreinen.cli import main

main()
