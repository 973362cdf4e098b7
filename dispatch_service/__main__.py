from dispatch_service.cli import main

raise SystemExit(main())
