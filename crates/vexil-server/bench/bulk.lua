-- wrk: every flag of bench.vx (20) per request (OFREP bulk evaluation).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"context":{"targetingKey":"u-8271","user":{"id":"u-8271","country":"DE","plan":"pro","age":37},"app":{"version":"4.3.1"}}}'
wrk.path = "/ofrep/v1/evaluate/flags"
