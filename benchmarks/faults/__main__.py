"""`python -m benchmarks.faults --engine sqlite|postgresql`."""

from benchmarks.faults.load_with_faults import main

raise SystemExit(main())
