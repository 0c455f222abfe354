/// How the composition polynomial's terms are grouped, shared by every backend so that they combine
/// exactly the same values (see `CompositionPolynomial` for the formula and the order of α powers).
///
/// Constraints sharing a max offset share their excluded rows, hence one per-point factor
/// (1/Z)·Π tangents: they are combined with their α powers first and scaled once. Public columns
/// share the factor 1/Z of max offset 0 (times the blinding rows' tangents in zero-knowledge mode), so they join that group, with their combined interpolant
/// subtracted before the scaling. Boundary constraints are grouped by row: each row has its factor
/// (1 + h.x)/h.y.
package struct CompositionLayout: Sendable {
    package struct Group: Sendable {
        /// The transitions' max offset: the number of last rows they are not checked on.
        package var maxOffset: Int
        /// Constraint values combined here: 0..<T are transitions, T..<T+P public-column expressions
        /// (the order of `ConstraintProgram(transitions + publicColumns.map(\.expression))`'s outputs).
        package var members: [Int]
        /// The α power of each member (index into `alphaPowers`).
        package var powers: [Int]
        /// The trace rows whose tangents multiply the group's factor.
        package var excludedRows: [Int]
        /// Whether the public columns' combined interpolant is subtracted (the offset-0 group of a
        /// system with public columns).
        package var subtractsPublic: Bool
    }

    package struct BoundaryRow: Sendable {
        package var row: Int
        /// (α power index, constraint), in the system's order.
        package var items: [(power: Int, constraint: BoundaryConstraint)]
    }

    package let transitionCount: Int
    package let publicCount: Int
    /// α^0 … α^(T+B+P-1) are used: transitions, then boundaries, then public columns.
    package let powerCount: Int
    package let groups: [Group]
    /// Sorted by row.
    package let boundaryRows: [BoundaryRow]

    package init(system: ConstraintSystem) {
        let transitionCount = system.transitions.count
        let publicCount = system.publicColumns.count
        self.transitionCount = transitionCount
        self.publicCount = publicCount
        powerCount = transitionCount + system.boundaries.count + publicCount
        let publicFirstPower = PublicColumns.firstPower(system)
        let maxOffsets = system.transitionMaxOffsets
        // Public columns exclude the blinding rows (none outside zero-knowledge mode), so they join
        // the group that excludes as many rows.
        let publicExclusions = system.publicColumnExclusions
        var offsetSet = Set(maxOffsets)
        if publicCount > 0 { offsetSet.insert(publicExclusions) }
        groups = offsetSet.sorted().map { k in
            var members = (0..<transitionCount).filter { maxOffsets[$0] == k }
            if k == publicExclusions { members += (0..<publicCount).map { transitionCount + $0 } }
            let powers = members.map { $0 < transitionCount ? $0 : publicFirstPower + $0 - transitionCount }
            return Group(maxOffset: k, members: members, powers: powers,
                         excludedRows: CompositionPolynomial.excludedRows(maxOffset: k, rows: system.rowCount),
                         subtractsPublic: k == publicExclusions && publicCount > 0)
        }
        var byRow: [Int: [(power: Int, constraint: BoundaryConstraint)]] = [:]
        for (i, b) in system.boundaries.enumerated() { byRow[b.row, default: []].append((transitionCount + i, b)) }
        boundaryRows = byRow.sorted { $0.key < $1.key }.map { BoundaryRow(row: $0.key, items: $0.value) }
    }

    /// α^0 … α^(count-1).
    package static func alphaPowers(_ alpha: QM31, count: Int) -> [QM31] {
        var powers: [QM31] = []
        powers.reserveCapacity(count)
        var power = QM31.one
        for _ in 0..<count { powers.append(power); power = power * alpha }
        return powers
    }
}
