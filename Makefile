# Developer entry points. `make` (no target) runs the full test suite.

.DEFAULT_GOAL := test

.PHONY: test run vet help

## test: go vet, then go test on embedded SQLite/Redis and go test -race on PostgreSQL + Redis
test:
	bash scripts/test.sh

## run: start the application
run:
	go run ./cmd/fsc

## vet: go vet ./...
vet:
	go vet ./...

## help: list targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
