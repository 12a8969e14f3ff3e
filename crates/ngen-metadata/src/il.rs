//! The CIL instruction decoder (ECMA-335 Partition III): every one-byte and two-byte (0xFE)
//! opcode including the prefixes, with branch targets made absolute and `switch` tables as a
//! lazily decoded view so decoding never allocates. Pure: depends only on bytes and tokens.

use crate::error::{MetadataError, Result};
use crate::token::Token;

/// The shape of an opcode's inline operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    None,
    /// `int8` (ldc.i4.s).
    ShortI,
    /// `unsigned int8` (unaligned., no.).
    ShortU,
    I32,
    I64,
    R4,
    R8,
    Token,
    /// One-byte argument/local index.
    ShortVar,
    /// Two-byte argument/local index.
    Var,
    /// Signed one-byte branch offset.
    ShortBranch,
    /// Signed four-byte branch offset.
    Branch,
    Switch,
}

macro_rules! opcodes {
    (
        one { $( $b1:literal $n1:ident $s1:literal $k1:ident ),* $(,)? }
        two { $( $b2:literal $n2:ident $s2:literal $k2:ident ),* $(,)? }
    ) => {
        /// Every CIL opcode of ECMA-335 Partition III.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Opcode { $( $n1, )* $( $n2, )* }

        impl Opcode {
            /// All opcodes: one-byte ones first, then the 0xFE-prefixed ones.
            pub const ALL: &'static [Opcode] = &[$( Opcode::$n1, )* $( Opcode::$n2, )*];

            /// The mnemonic as ilasm/monodis spell it (e.g. `add.ovf.un`).
            pub fn name(self) -> &'static str {
                match self { $( Opcode::$n1 => $s1, )* $( Opcode::$n2 => $s2, )* }
            }

            /// The kind of inline operand that follows the opcode.
            pub fn operand_kind(self) -> OperandKind {
                match self {
                    $( Opcode::$n1 => OperandKind::$k1, )*
                    $( Opcode::$n2 => OperandKind::$k2, )*
                }
            }

            /// The encoding: `0x00..=0xFF` for one-byte opcodes, `0xFE00 | b` for two-byte ones.
            pub fn value(self) -> u16 {
                match self { $( Opcode::$n1 => $b1, )* $( Opcode::$n2 => 0xFE00 | $b2, )* }
            }

            /// The one-byte opcode with this byte, if any.
            pub fn from_byte(b: u8) -> Option<Opcode> {
                match b { $( $b1 => Some(Opcode::$n1), )* _ => None }
            }

            /// The two-byte opcode `0xFE b`, if any.
            pub fn from_fe_byte(b: u8) -> Option<Opcode> {
                match b { $( $b2 => Some(Opcode::$n2), )* _ => None }
            }
        }
    };
}

opcodes! {
    one {
        0x00 Nop "nop" None, 0x01 Break "break" None,
        0x02 Ldarg0 "ldarg.0" None, 0x03 Ldarg1 "ldarg.1" None, 0x04 Ldarg2 "ldarg.2" None, 0x05 Ldarg3 "ldarg.3" None,
        0x06 Ldloc0 "ldloc.0" None, 0x07 Ldloc1 "ldloc.1" None, 0x08 Ldloc2 "ldloc.2" None, 0x09 Ldloc3 "ldloc.3" None,
        0x0A Stloc0 "stloc.0" None, 0x0B Stloc1 "stloc.1" None, 0x0C Stloc2 "stloc.2" None, 0x0D Stloc3 "stloc.3" None,
        0x0E LdargS "ldarg.s" ShortVar, 0x0F LdargaS "ldarga.s" ShortVar, 0x10 StargS "starg.s" ShortVar,
        0x11 LdlocS "ldloc.s" ShortVar, 0x12 LdlocaS "ldloca.s" ShortVar, 0x13 StlocS "stloc.s" ShortVar,
        0x14 Ldnull "ldnull" None,
        0x15 LdcI4M1 "ldc.i4.m1" None, 0x16 LdcI4_0 "ldc.i4.0" None, 0x17 LdcI4_1 "ldc.i4.1" None,
        0x18 LdcI4_2 "ldc.i4.2" None, 0x19 LdcI4_3 "ldc.i4.3" None, 0x1A LdcI4_4 "ldc.i4.4" None,
        0x1B LdcI4_5 "ldc.i4.5" None, 0x1C LdcI4_6 "ldc.i4.6" None, 0x1D LdcI4_7 "ldc.i4.7" None,
        0x1E LdcI4_8 "ldc.i4.8" None, 0x1F LdcI4S "ldc.i4.s" ShortI, 0x20 LdcI4 "ldc.i4" I32,
        0x21 LdcI8 "ldc.i8" I64, 0x22 LdcR4 "ldc.r4" R4, 0x23 LdcR8 "ldc.r8" R8,
        0x25 Dup "dup" None, 0x26 Pop "pop" None, 0x27 Jmp "jmp" Token, 0x28 Call "call" Token,
        0x29 Calli "calli" Token, 0x2A Ret "ret" None,
        0x2B BrS "br.s" ShortBranch, 0x2C BrfalseS "brfalse.s" ShortBranch, 0x2D BrtrueS "brtrue.s" ShortBranch,
        0x2E BeqS "beq.s" ShortBranch, 0x2F BgeS "bge.s" ShortBranch, 0x30 BgtS "bgt.s" ShortBranch,
        0x31 BleS "ble.s" ShortBranch, 0x32 BltS "blt.s" ShortBranch, 0x33 BneUnS "bne.un.s" ShortBranch,
        0x34 BgeUnS "bge.un.s" ShortBranch, 0x35 BgtUnS "bgt.un.s" ShortBranch, 0x36 BleUnS "ble.un.s" ShortBranch,
        0x37 BltUnS "blt.un.s" ShortBranch,
        0x38 Br "br" Branch, 0x39 Brfalse "brfalse" Branch, 0x3A Brtrue "brtrue" Branch,
        0x3B Beq "beq" Branch, 0x3C Bge "bge" Branch, 0x3D Bgt "bgt" Branch, 0x3E Ble "ble" Branch,
        0x3F Blt "blt" Branch, 0x40 BneUn "bne.un" Branch, 0x41 BgeUn "bge.un" Branch,
        0x42 BgtUn "bgt.un" Branch, 0x43 BleUn "ble.un" Branch, 0x44 BltUn "blt.un" Branch,
        0x45 Switch "switch" Switch,
        0x46 LdindI1 "ldind.i1" None, 0x47 LdindU1 "ldind.u1" None, 0x48 LdindI2 "ldind.i2" None,
        0x49 LdindU2 "ldind.u2" None, 0x4A LdindI4 "ldind.i4" None, 0x4B LdindU4 "ldind.u4" None,
        0x4C LdindI8 "ldind.i8" None, 0x4D LdindI "ldind.i" None, 0x4E LdindR4 "ldind.r4" None,
        0x4F LdindR8 "ldind.r8" None, 0x50 LdindRef "ldind.ref" None, 0x51 StindRef "stind.ref" None,
        0x52 StindI1 "stind.i1" None, 0x53 StindI2 "stind.i2" None, 0x54 StindI4 "stind.i4" None,
        0x55 StindI8 "stind.i8" None, 0x56 StindR4 "stind.r4" None, 0x57 StindR8 "stind.r8" None,
        0x58 Add "add" None, 0x59 Sub "sub" None, 0x5A Mul "mul" None, 0x5B Div "div" None,
        0x5C DivUn "div.un" None, 0x5D Rem "rem" None, 0x5E RemUn "rem.un" None, 0x5F And "and" None,
        0x60 Or "or" None, 0x61 Xor "xor" None, 0x62 Shl "shl" None, 0x63 Shr "shr" None,
        0x64 ShrUn "shr.un" None, 0x65 Neg "neg" None, 0x66 Not "not" None,
        0x67 ConvI1 "conv.i1" None, 0x68 ConvI2 "conv.i2" None, 0x69 ConvI4 "conv.i4" None,
        0x6A ConvI8 "conv.i8" None, 0x6B ConvR4 "conv.r4" None, 0x6C ConvR8 "conv.r8" None,
        0x6D ConvU4 "conv.u4" None, 0x6E ConvU8 "conv.u8" None,
        0x6F Callvirt "callvirt" Token, 0x70 Cpobj "cpobj" Token, 0x71 Ldobj "ldobj" Token,
        0x72 Ldstr "ldstr" Token, 0x73 Newobj "newobj" Token, 0x74 Castclass "castclass" Token,
        0x75 Isinst "isinst" Token, 0x76 ConvRUn "conv.r.un" None, 0x79 Unbox "unbox" Token,
        0x7A Throw "throw" None, 0x7B Ldfld "ldfld" Token, 0x7C Ldflda "ldflda" Token,
        0x7D Stfld "stfld" Token, 0x7E Ldsfld "ldsfld" Token, 0x7F Ldsflda "ldsflda" Token,
        0x80 Stsfld "stsfld" Token, 0x81 Stobj "stobj" Token,
        0x82 ConvOvfI1Un "conv.ovf.i1.un" None, 0x83 ConvOvfI2Un "conv.ovf.i2.un" None,
        0x84 ConvOvfI4Un "conv.ovf.i4.un" None, 0x85 ConvOvfI8Un "conv.ovf.i8.un" None,
        0x86 ConvOvfU1Un "conv.ovf.u1.un" None, 0x87 ConvOvfU2Un "conv.ovf.u2.un" None,
        0x88 ConvOvfU4Un "conv.ovf.u4.un" None, 0x89 ConvOvfU8Un "conv.ovf.u8.un" None,
        0x8A ConvOvfIUn "conv.ovf.i.un" None, 0x8B ConvOvfUUn "conv.ovf.u.un" None,
        0x8C Box "box" Token, 0x8D Newarr "newarr" Token, 0x8E Ldlen "ldlen" None,
        0x8F Ldelema "ldelema" Token,
        0x90 LdelemI1 "ldelem.i1" None, 0x91 LdelemU1 "ldelem.u1" None, 0x92 LdelemI2 "ldelem.i2" None,
        0x93 LdelemU2 "ldelem.u2" None, 0x94 LdelemI4 "ldelem.i4" None, 0x95 LdelemU4 "ldelem.u4" None,
        0x96 LdelemI8 "ldelem.i8" None, 0x97 LdelemI "ldelem.i" None, 0x98 LdelemR4 "ldelem.r4" None,
        0x99 LdelemR8 "ldelem.r8" None, 0x9A LdelemRef "ldelem.ref" None,
        0x9B StelemI "stelem.i" None, 0x9C StelemI1 "stelem.i1" None, 0x9D StelemI2 "stelem.i2" None,
        0x9E StelemI4 "stelem.i4" None, 0x9F StelemI8 "stelem.i8" None, 0xA0 StelemR4 "stelem.r4" None,
        0xA1 StelemR8 "stelem.r8" None, 0xA2 StelemRef "stelem.ref" None,
        0xA3 Ldelem "ldelem" Token, 0xA4 Stelem "stelem" Token, 0xA5 UnboxAny "unbox.any" Token,
        0xB3 ConvOvfI1 "conv.ovf.i1" None, 0xB4 ConvOvfU1 "conv.ovf.u1" None,
        0xB5 ConvOvfI2 "conv.ovf.i2" None, 0xB6 ConvOvfU2 "conv.ovf.u2" None,
        0xB7 ConvOvfI4 "conv.ovf.i4" None, 0xB8 ConvOvfU4 "conv.ovf.u4" None,
        0xB9 ConvOvfI8 "conv.ovf.i8" None, 0xBA ConvOvfU8 "conv.ovf.u8" None,
        0xC2 Refanyval "refanyval" Token, 0xC3 Ckfinite "ckfinite" None, 0xC6 Mkrefany "mkrefany" Token,
        0xD0 Ldtoken "ldtoken" Token, 0xD1 ConvU2 "conv.u2" None, 0xD2 ConvU1 "conv.u1" None,
        0xD3 ConvI "conv.i" None, 0xD4 ConvOvfI "conv.ovf.i" None, 0xD5 ConvOvfU "conv.ovf.u" None,
        0xD6 AddOvf "add.ovf" None, 0xD7 AddOvfUn "add.ovf.un" None, 0xD8 MulOvf "mul.ovf" None,
        0xD9 MulOvfUn "mul.ovf.un" None, 0xDA SubOvf "sub.ovf" None, 0xDB SubOvfUn "sub.ovf.un" None,
        0xDC Endfinally "endfinally" None, 0xDD Leave "leave" Branch, 0xDE LeaveS "leave.s" ShortBranch,
        0xDF StindI "stind.i" None, 0xE0 ConvU "conv.u" None,
    }
    two {
        0x00 Arglist "arglist" None, 0x01 Ceq "ceq" None, 0x02 Cgt "cgt" None, 0x03 CgtUn "cgt.un" None,
        0x04 Clt "clt" None, 0x05 CltUn "clt.un" None, 0x06 Ldftn "ldftn" Token,
        0x07 Ldvirtftn "ldvirtftn" Token, 0x09 Ldarg "ldarg" Var, 0x0A Ldarga "ldarga" Var,
        0x0B Starg "starg" Var, 0x0C Ldloc "ldloc" Var, 0x0D Ldloca "ldloca" Var, 0x0E Stloc "stloc" Var,
        0x0F Localloc "localloc" None, 0x11 Endfilter "endfilter" None, 0x12 Unaligned "unaligned." ShortU,
        0x13 Volatile "volatile." None, 0x14 Tail "tail." None, 0x15 Initobj "initobj" Token,
        0x16 Constrained "constrained." Token, 0x17 Cpblk "cpblk" None, 0x18 Initblk "initblk" None,
        0x19 No "no." ShortU, 0x1A Rethrow "rethrow" None, 0x1C Sizeof "sizeof" Token,
        0x1D Refanytype "refanytype" None, 0x1E Readonly "readonly." None,
    }
}

impl Opcode {
    /// True for the prefix opcodes (they modify the instruction that follows).
    pub fn is_prefix(self) -> bool {
        matches!(
            self,
            Opcode::Unaligned
                | Opcode::Volatile
                | Opcode::Tail
                | Opcode::Constrained
                | Opcode::No
                | Opcode::Readonly
        )
    }
}

impl std::fmt::Display for Opcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The targets of a `switch`, decoded lazily from the IL (absolute offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwitchTargets<'a> {
    /// The raw little-endian `int32` relative offsets.
    raw: &'a [u8],
    /// The offset of the instruction following the switch (targets are relative to it).
    base: u32,
}

impl<'a> SwitchTargets<'a> {
    pub fn len(&self) -> usize {
        self.raw.len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The absolute IL offset of target `i`.
    pub fn get(&self, i: usize) -> Option<u32> {
        let start = i.checked_mul(4)?;
        let b = self.raw.get(start..start.checked_add(4)?)?;
        let rel = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        Some(self.base.wrapping_add(rel as u32))
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let base = self.base;
        self.raw
            .chunks_exact(4)
            .map(move |b| base.wrapping_add(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u32))
    }

    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

/// An instruction's inline operand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Operand<'a> {
    None,
    /// `ldc.i4.s`.
    Int8(i8),
    /// `unaligned.` alignment, `no.` check mask.
    UInt8(u8),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    /// A metadata token (or a `#US` token for `ldstr`, or a StandAloneSig for `calli`).
    Token(Token),
    /// Absolute IL offset of a branch target.
    BranchTarget(u32),
    Switch(SwitchTargets<'a>),
    /// Argument or local index (`ldarg.s`, `ldloc`, ...).
    Variable(u16),
}

/// One decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Instruction<'a> {
    /// Byte offset of the opcode in the method's IL.
    pub offset: u32,
    pub opcode: Opcode,
    pub operand: Operand<'a>,
    /// Total encoded length including opcode and operand.
    pub len: u32,
}

impl Instruction<'_> {
    /// Offset of the following instruction.
    pub fn next_offset(&self) -> u32 {
        self.offset + self.len
    }
}

/// Iterator over the instructions of a method's IL. After an error it yields `None`.
#[derive(Clone, Debug)]
pub struct Instructions<'a> {
    code: &'a [u8],
    pos: usize,
    failed: bool,
}

/// Decodes `code` lazily. Collect into `Result<Vec<_>>` or iterate.
pub fn decode(code: &[u8]) -> Instructions<'_> {
    Instructions {
        code,
        pos: 0,
        failed: false,
    }
}

/// Decodes `code` fully, returning the number of instructions or the first error.
pub fn validate(code: &[u8]) -> Result<usize> {
    let mut n = 0;
    for i in decode(code) {
        i?;
        n += 1;
    }
    Ok(n)
}

impl<'a> Instructions<'a> {
    fn err(&mut self, offset: usize, reason: &'static str) -> Option<Result<Instruction<'a>>> {
        self.failed = true;
        Some(Err(MetadataError::BadIl {
            offset: offset as u32,
            reason,
        }))
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.code.get(self.pos..self.pos.checked_add(N)?)?;
        self.pos += N;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Some(out)
    }
}

impl<'a> Iterator for Instructions<'a> {
    type Item = Result<Instruction<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.code.len() {
            return None;
        }
        let start = self.pos;
        if self.code.len() > u32::MAX as usize {
            return self.err(start, "IL longer than 4 GiB");
        }
        let b = self.code.get(start).copied()?;
        self.pos += 1;
        let opcode = if b == 0xFE {
            let Some([b2]) = self.take::<1>() else {
                return self.err(start, "truncated two-byte opcode");
            };
            match Opcode::from_fe_byte(b2) {
                Some(op) => op,
                None => return self.err(start, "undefined two-byte opcode"),
            }
        } else {
            match Opcode::from_byte(b) {
                Some(op) => op,
                None => return self.err(start, "undefined opcode"),
            }
        };
        macro_rules! read {
            ($n:literal) => {
                match self.take::<$n>() {
                    Some(v) => v,
                    None => return self.err(start, "operand is truncated"),
                }
            };
        }
        let operand = match opcode.operand_kind() {
            OperandKind::None => Operand::None,
            OperandKind::ShortI => Operand::Int8(read!(1)[0] as i8),
            OperandKind::ShortU => Operand::UInt8(read!(1)[0]),
            OperandKind::I32 => Operand::Int32(i32::from_le_bytes(read!(4))),
            OperandKind::I64 => Operand::Int64(i64::from_le_bytes(read!(8))),
            OperandKind::R4 => Operand::Float32(f32::from_le_bytes(read!(4))),
            OperandKind::R8 => Operand::Float64(f64::from_le_bytes(read!(8))),
            OperandKind::Token => Operand::Token(Token(u32::from_le_bytes(read!(4)))),
            OperandKind::ShortVar => Operand::Variable(u16::from(read!(1)[0])),
            OperandKind::Var => Operand::Variable(u16::from_le_bytes(read!(2))),
            OperandKind::ShortBranch => {
                let rel = read!(1)[0] as i8;
                Operand::BranchTarget((self.pos as u32).wrapping_add(i32::from(rel) as u32))
            }
            OperandKind::Branch => {
                let rel = i32::from_le_bytes(read!(4));
                Operand::BranchTarget((self.pos as u32).wrapping_add(rel as u32))
            }
            OperandKind::Switch => {
                let n = u32::from_le_bytes(read!(4)) as usize;
                let Some(bytes) = n.checked_mul(4) else {
                    return self.err(start, "switch table too large");
                };
                let end = match self.pos.checked_add(bytes) {
                    Some(e) if e <= self.code.len() => e,
                    _ => return self.err(start, "switch table is truncated"),
                };
                let raw = self.code.get(self.pos..end)?;
                self.pos = end;
                Operand::Switch(SwitchTargets {
                    raw,
                    base: end as u32,
                })
            }
        };
        Some(Ok(Instruction {
            offset: start as u32,
            opcode,
            operand,
            len: (self.pos - start) as u32,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_table_is_complete_and_unique() {
        // ECMA-335 defines 191 one-byte and 28 two-byte opcodes (219 in total).
        let one = Opcode::ALL.iter().filter(|o| o.value() < 0x100).count();
        let two = Opcode::ALL.len() - one;
        assert_eq!((one, two), (191, 28));
        for op in Opcode::ALL {
            let v = op.value();
            let back = if v < 0x100 {
                Opcode::from_byte(v as u8)
            } else {
                Opcode::from_fe_byte(v as u8)
            };
            assert_eq!(back, Some(*op));
        }
        assert_eq!(Opcode::AddOvfUn.name(), "add.ovf.un");
        assert!(Opcode::Constrained.is_prefix());
    }

    #[test]
    fn branches_are_absolute_and_switch_is_lazy() {
        // 0: br.s +2 ; 2: nop ; 3: nop ; 4: switch(2) [-5, 0] ; 17: ret
        let code = [
            0x2B, 0x02, 0x00, 0x00, 0x45, 0x02, 0, 0, 0, 0xFB, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x2A,
        ];
        let ins: Vec<_> = decode(&code).collect::<Result<_>>().unwrap();
        assert_eq!(ins[0].operand, Operand::BranchTarget(4));
        match ins[3].operand {
            Operand::Switch(t) => assert_eq!(t.to_vec(), vec![12, 17]),
            ref o => panic!("{o:?}"),
        }
        assert_eq!(ins[4].opcode, Opcode::Ret);
        assert_eq!(ins[4].offset, 17);
    }

    #[test]
    fn prefixes_and_two_byte_opcodes() {
        let code = [
            0xFE, 0x16, 1, 0, 0, 0x02, 0x6F, 2, 0, 0, 0x0A, 0xFE, 0x12, 4, 0xFE, 0x0C, 3, 1,
        ];
        let ins: Vec<_> = decode(&code).collect::<Result<_>>().unwrap();
        assert_eq!(ins[0].opcode, Opcode::Constrained);
        assert_eq!(ins[0].operand, Operand::Token(Token(0x0200_0001)));
        assert_eq!(ins[1].opcode, Opcode::Callvirt);
        assert_eq!(ins[2].operand, Operand::UInt8(4));
        assert_eq!(ins[3].operand, Operand::Variable(0x103));
    }

    #[test]
    fn bad_il_is_an_error_not_a_panic() {
        assert!(validate(&[0x24]).is_err());
        assert!(validate(&[0xFE]).is_err());
        assert!(validate(&[0xFE, 0x08]).is_err());
        assert!(validate(&[0x20, 1, 2]).is_err());
        assert!(validate(&[0x45, 0xff, 0xff, 0xff, 0xff]).is_err());
        assert_eq!(validate(&[0x00, 0x2A]).unwrap(), 2);
    }
}
