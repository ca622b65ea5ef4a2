from lrlint.cli import main

raise SystemExit(main())
