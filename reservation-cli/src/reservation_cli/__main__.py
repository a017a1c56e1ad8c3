from reservation_cli.app import main

main()
