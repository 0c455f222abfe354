import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SageProtocol
import SageWorker
import SageWorkerNode
import StarknetKit

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The running worker's /health and the coordinator's view of this worker.")
    @OptionGroup var common: CommonOptions
    @Flag(help: "Print JSON.") var json = false

    struct Report: Encodable {
        var local: WorkerStatusServer.Health?
        var localError: String?
        var worker: WorkerView?
        var balance: BalanceView?
        var coordinatorError: String?
        enum CodingKeys: String, CodingKey {
            case local, localError = "local_error", worker, balance, coordinatorError = "coordinator_error"
        }
    }

    func run() async throws {
        try await guarded {
            let config = try common.loadConfig()
            var report = Report()
            do {
                let port = config.settings.httpPort
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/health")
                request.method = .GET
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3))
                let body = try await response.body.collect(upTo: 1 << 20)
                report.local = try SageJSON.decode(WorkerStatusServer.Health.self, from: Data(body.readableBytesView))
            } catch {
                report.localError = "no worker answers on 127.0.0.1:\(config.settings.httpPort) (is `sage-worker start` running?)"
            }
            do {
                let keys = try common.unlock(config)
                let me = try await common.client(config, keys: keys).me()
                report.worker = me.worker
                report.balance = me.balance
            } catch {
                report.coordinatorError = "\(error)"
            }
            if json { try printJSON(report); return }
            if let l = report.local {
                print("local:       \(l.status), \(l.counters.jobsInFlight) job(s) in flight, \(l.counters.proofsGenerated) proven, \(l.counters.proofsPaid) paid, earned \(l.counters.earnings) SAGE, up \(Int(l.uptimeSeconds)) s")
            } else { print("local:       \(report.localError ?? "")") }
            if let w = report.worker, let b = report.balance {
                print("coordinator: \(w.state.rawValue), tier \(w.tier?.rawValue ?? "none"), \(w.activeLeases) lease(s), \(w.jobsPaid) job(s) paid, \(w.proofsRejected) rejected")
                print("balance:     available \(b.available), staked \(b.staked), unbonding \(b.unbonding), rewards \(b.rewards) SAGE")
            } else { print("coordinator: \(report.coordinatorError ?? "")") }
        }
    }
}
