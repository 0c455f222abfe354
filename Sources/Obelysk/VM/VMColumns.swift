/// The main-trace columns of the VM AIR, one row per step (see `VMAir` for the constraints).
///
/// Step columns (row r is step r; rows after the halting step repeat the halt):
///   row         the row index r (0, 1, …): the clock (step r happens at time r + 1) and the range table
///   pc          the program counter
///   op[16]      one-hot opcode selectors
///   rd[8], ra[8], rb[8]   one-hot register-field selectors
///   imm         the immediate
///   reg[8]      r0…r7 before the step
///   va, vb      the values of ra and rb
///   res         the value written to rd (by the instructions that write one)
///   inv, isZero inverse witness of va and the flag va = 0 (for bz / bnz)
///   addr, mval  the memory cell a load or store touches and the value read or written
///   oldVal, oldTime  the cell's previous value and the time it was last written (0: initial)
///   ltDiff      vb - va - 1 if va < vb else va - vb (range-checked for `lt`)
///   outIndex    how many values `out` has emitted before this step
/// Table columns (row r is table entry r):
///   progMult, progPc, progWord0, progImm   the program table (public) and its use count
///   small       1 on the first 2^16 rows: the range-16 table and the memory's address rows
///   rangeMult16, rangeMultN  use counts of the range tables [0, 2^16) and [0, N)
///   initVal     memory address r's initial value (the inputs, then zeros: public in `vm`, committed in
///               `vm-committed`, whose extra columns follow these: see `VMCommittedInputs`)
///   finalVal, finalTime      memory address r's last value and the time it was written
public enum VMColumns {
    public static let row = 0
    public static let pc = 1
    public static let op = 2                       // 16 columns
    public static let rd = op + 16                 // 8
    public static let ra = rd + 8                  // 8
    public static let rb = ra + 8                  // 8
    public static let imm = rb + 8
    public static let reg = imm + 1                // 8
    public static let va = reg + 8
    public static let vb = va + 1
    public static let res = vb + 1
    public static let inv = res + 1
    public static let isZero = inv + 1
    public static let addr = isZero + 1
    public static let mval = addr + 1
    public static let oldVal = mval + 1
    public static let oldTime = oldVal + 1
    public static let ltDiff = oldTime + 1
    public static let outIndex = ltDiff + 1
    public static let progMult = outIndex + 1
    public static let progPc = progMult + 1
    public static let progWord0 = progPc + 1
    public static let progImm = progWord0 + 1
    public static let small = progImm + 1
    public static let rangeMult16 = small + 1
    public static let rangeMultN = rangeMult16 + 1
    public static let initVal = rangeMultN + 1
    public static let finalVal = initVal + 1
    public static let finalTime = finalVal + 1
    public static let count = finalTime + 1

    static func op(_ o: Opcode) -> Int { op + Int(o.rawValue) }
}
