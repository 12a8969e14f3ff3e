//! What a type says about itself: [`ClassInfo`] (names, flags, parent, category, primitive),
//! its fields and methods, and their types and signatures with the owner's generic arguments
//! substituted. Model: ILCompiler's `EcmaType` and `InstantiatedType`; Mono's
//! `mono_class_create_from_typedef` (a type is a value type when its parent is
//! `System.ValueType` or `System.Enum`, and it is not `System.Enum` itself).
//! Depends on `crate::load` and [`crate::well_known`].

use std::sync::Arc;

use ngen_metadata::flags::type_attributes;
use ngen_metadata::{TableId, Token};

use crate::desc::{
    Category, ClassInfo, FieldDesc, GenericContext, MethodDesc, MethodSignature, Primitive,
    TypeKind,
};
use crate::error::{Result, TypeSystemError};
use crate::handle::{FieldHandle, MethodHandle, TypeHandle};
use crate::{TypeSystem, WellKnownType};

impl TypeSystem {
    /// What a definition or instantiation says about itself. Other kinds (arrays, byrefs,
    /// pointers, generic parameters) have no ClassInfo.
    pub fn class_info(&mut self, ty: TypeHandle) -> Result<Arc<ClassInfo>> {
        if let Some(r) = &self.facets(ty).class_info {
            return r.clone();
        }
        let r = self.compute_class_info(ty).map(Arc::new);
        self.facets(ty).class_info = Some(r.clone());
        r
    }

    fn compute_class_info(&mut self, ty: TypeHandle) -> Result<ClassInfo> {
        let (def, args) = match self.kind(ty).clone() {
            TypeKind::Def(..) => (ty, Vec::new()),
            TypeKind::Inst(def, args) => (def, args.into_vec()),
            _ => {
                return Err(TypeSystemError::InvalidReference {
                    assembly: String::new(),
                    reason: format!(
                        "{} is not a class, value type or interface",
                        self.type_name(ty)
                    ),
                });
            }
        };
        let TypeKind::Def(module, rid) = *self.kind(def) else {
            return Err(TypeSystemError::InvalidReference {
                assembly: String::new(),
                reason: format!(
                    "{} instantiates something that is not a generic definition",
                    self.type_name(ty)
                ),
            });
        };
        let row = self.md(module, |a| {
            a.type_def(rid).map(|r| {
                (
                    r.flags,
                    r.namespace.to_string(),
                    r.name.to_string(),
                    r.extends,
                )
            })
        })?;
        let (flags, namespace, name, extends) = row;
        let generic_param_count = self
            .md(module, |a| {
                a.generic_params_of(Token::new(TableId::TypeDef, rid))
            })?
            .len() as u32;
        if !args.is_empty() && args.len() as u32 != generic_param_count {
            return Err(self.type_load(
                module,
                &self.type_name(ty),
                &format!(
                    "{} type arguments given for {generic_param_count} generic parameters",
                    args.len()
                ),
            ));
        }
        let ctx = GenericContext::of_type(&args);
        let parent = if extends.is_null() {
            None
        } else {
            Some(self.resolve_type(module, extends, &ctx)?)
        };
        let is_corlib = module == self.corlib;
        let primitive = if is_corlib && namespace == "System" {
            Primitive::from_system_name(&name)
        } else {
            None
        };
        let category = if flags & type_attributes::INTERFACE != 0 {
            Category::Interface
        } else {
            let enum_ty = self.well_known_opt(WellKnownType::Enum);
            let value_ty = self.well_known_opt(WellKnownType::ValueType);
            match parent {
                Some(p) if Some(p) == enum_ty => Category::Enum,
                Some(p) if Some(p) == value_ty && Some(def) != enum_ty => Category::ValueType,
                _ => Category::Class,
            }
        };
        Ok(ClassInfo {
            module,
            rid,
            flags,
            namespace,
            name,
            parent,
            category,
            generic_definition: (!args.is_empty()).then_some(def),
            type_args: args.into(),
            generic_param_count,
            primitive,
        })
    }

    /// The base type: the declared parent of a class or value type, `System.Array` for arrays,
    /// and `None` for Object, interfaces, byrefs, pointers and generic parameters.
    pub fn parent(&mut self, ty: TypeHandle) -> Result<Option<TypeHandle>> {
        match self.kind(ty) {
            TypeKind::Def(..) | TypeKind::Inst(..) => Ok(self.class_info(ty)?.parent),
            TypeKind::SzArray(_) | TypeKind::Array(..) => {
                Ok(Some(self.well_known(WellKnownType::Array)?))
            }
            _ => Ok(None),
        }
    }

    /// `ty` and its base types, most derived first (a `TypeLoad` error on a cyclic chain).
    pub fn ancestors(&mut self, ty: TypeHandle) -> Result<Vec<TypeHandle>> {
        let mut chain = vec![ty];
        while let Some(p) = self.parent(chain[chain.len() - 1])? {
            if chain.len() > 512 || chain.contains(&p) {
                return Err(self.load_error(ty, "its inheritance is cyclic"));
            }
            chain.push(p);
        }
        Ok(chain)
    }

    /// The generic context of a type's own members (its instantiation arguments, if any).
    pub(crate) fn context_of(&self, ty: TypeHandle) -> GenericContext {
        match self.kind(ty) {
            TypeKind::Inst(_, args) => GenericContext::of_type(args),
            _ => GenericContext::none(),
        }
    }

    /// The definition (module, TypeDef rid) behind a definition or instantiation.
    pub(crate) fn def_of(&self, ty: TypeHandle) -> Option<(TypeHandle, crate::ModuleId, u32)> {
        let def = match self.kind(ty) {
            TypeKind::Def(..) => ty,
            TypeKind::Inst(def, _) => *def,
            _ => return None,
        };
        match *self.kind(def) {
            TypeKind::Def(m, rid) => Some((def, m, rid)),
            _ => None,
        }
    }

    /// The fields a type declares (instance and static), in declaration order.
    pub fn fields(&mut self, ty: TypeHandle) -> Result<Arc<[FieldHandle]>> {
        if let Some(r) = &self.facets(ty).fields {
            return r.clone();
        }
        let r = self.compute_fields(ty);
        self.facets(ty).fields = Some(r.clone());
        r
    }

    fn compute_fields(&mut self, ty: TypeHandle) -> Result<Arc<[FieldHandle]>> {
        let Some((_, module, rid)) = self.def_of(ty) else {
            return Ok(Arc::from(Vec::new()));
        };
        let rids = self.md(module, |a| a.fields_of(rid))?;
        rids.into_iter()
            .map(|f| self.field_on(ty, f))
            .collect::<Result<Vec<_>>>()
            .map(Arc::from)
    }

    /// Field `rid` (of the owner's definition module) as a member of `owner`.
    pub fn field_on(&mut self, owner: TypeHandle, rid: u32) -> Result<FieldHandle> {
        if let Some(&f) = self.field_ids.get(&(owner, rid)) {
            return Ok(f);
        }
        let Some((_, module, _)) = self.def_of(owner) else {
            return Err(TypeSystemError::InvalidReference {
                assembly: String::new(),
                reason: format!("{} has no fields", self.type_name(owner)),
            });
        };
        let (name, flags) = self.md(module, |a| {
            a.field(rid).map(|r| (r.name.to_string(), r.flags))
        })?;
        let h = FieldHandle(self.fields.len() as u32);
        self.fields.push(FieldDesc {
            owner,
            module,
            rid,
            name,
            flags,
            ty: None,
        });
        self.field_ids.insert((owner, rid), h);
        Ok(h)
    }

    /// A field's type, with the owner's generic arguments substituted.
    pub fn field_type(&mut self, field: FieldHandle) -> Result<TypeHandle> {
        if let Some(t) = self.fields[field.at()].ty {
            return Ok(t);
        }
        let FieldDesc {
            owner, module, rid, ..
        } = self.fields[field.at()].clone();
        let sig = self.md(module, |a| {
            a.field(rid).and_then(|r| a.field_sig(r.signature))
        })?;
        let ctx = self.context_of(owner);
        let t = self.type_from_sig(module, &sig.ty, &ctx)?;
        self.fields[field.at()].ty = Some(t);
        Ok(t)
    }

    /// A field's type as its definition declares it (`!n` kept), for MemberRef matching.
    pub(crate) fn open_field_type(&mut self, field: FieldHandle) -> Result<TypeHandle> {
        let FieldDesc { owner, rid, .. } = self.fields[field.at()].clone();
        let (def, ..) = self
            .def_of(owner)
            .expect("fields only exist on definitions");
        let open = self.field_on(def, rid)?;
        self.field_type(open)
    }

    /// The methods a type declares, in declaration order.
    pub fn methods(&mut self, ty: TypeHandle) -> Result<Arc<[MethodHandle]>> {
        if let Some(r) = &self.facets(ty).methods {
            return r.clone();
        }
        let r = self.compute_methods(ty);
        self.facets(ty).methods = Some(r.clone());
        r
    }

    fn compute_methods(&mut self, ty: TypeHandle) -> Result<Arc<[MethodHandle]>> {
        let Some((_, module, rid)) = self.def_of(ty) else {
            return Ok(Arc::from(Vec::new()));
        };
        let rids = self.md(module, |a| a.methods_of(rid))?;
        rids.into_iter()
            .map(|m| self.method_on(ty, m))
            .collect::<Result<Vec<_>>>()
            .map(Arc::from)
    }

    /// MethodDef `rid` (of the owner's definition module) as a member of `owner`.
    pub fn method_on(&mut self, owner: TypeHandle, rid: u32) -> Result<MethodHandle> {
        self.method_instance(owner, rid, Box::from([]))
    }

    fn method_instance(
        &mut self,
        owner: TypeHandle,
        rid: u32,
        args: Box<[TypeHandle]>,
    ) -> Result<MethodHandle> {
        let key = (owner, rid, args);
        if let Some(&m) = self.method_ids.get(&key) {
            return Ok(m);
        }
        let Some((_, module, _)) = self.def_of(owner) else {
            return Err(TypeSystemError::InvalidReference {
                assembly: String::new(),
                reason: format!("{} has no methods", self.type_name(owner)),
            });
        };
        let (name, flags, impl_flags) = self.md(module, |a| {
            a.method_def(rid)
                .map(|r| (r.name.to_string(), r.flags, r.impl_flags))
        })?;
        let h = MethodHandle(self.methods.len() as u32);
        self.methods.push(MethodDesc {
            owner,
            module,
            rid,
            name,
            flags,
            impl_flags,
            method_args: key.2.clone(),
            signature: None,
        });
        self.method_ids.insert(key, h);
        Ok(h)
    }

    /// The generic method `method` instantiated over `args`.
    pub fn instantiate_method(
        &mut self,
        method: MethodHandle,
        args: &[TypeHandle],
    ) -> Result<MethodHandle> {
        let MethodDesc { owner, rid, .. } = self.methods[method.at()].clone();
        let count = self.open_signature(method)?.generic_param_count;
        if count as usize != args.len() {
            return Err(TypeSystemError::InvalidReference {
                assembly: self
                    .module_name(self.methods[method.at()].module)
                    .to_string(),
                reason: format!(
                    "{} type arguments given for generic method {} of {count} parameters",
                    args.len(),
                    self.methods[method.at()].name
                ),
            });
        }
        self.method_instance(owner, rid, Box::from(args))
    }

    /// A method's signature with the owner's and the method's generic arguments substituted.
    pub fn method_signature(&mut self, method: MethodHandle) -> Result<Arc<MethodSignature>> {
        if let Some(s) = &self.methods[method.at()].signature {
            return Ok(Arc::clone(s));
        }
        let MethodDesc {
            owner,
            module,
            rid,
            method_args,
            ..
        } = self.methods[method.at()].clone();
        let sig = self.md(module, |a| {
            a.method_def(rid).and_then(|r| a.method_sig(r.signature))
        })?;
        let mut ctx = self.context_of(owner);
        if !method_args.is_empty() {
            ctx.method_args = Some(Arc::from(method_args));
        }
        let s = Arc::new(self.method_signature_from(module, &sig, &ctx)?);
        self.methods[method.at()].signature = Some(Arc::clone(&s));
        Ok(s)
    }

    /// A method's signature as its definition declares it (`!n` and `!!n` kept).
    pub(crate) fn open_signature(&mut self, method: MethodHandle) -> Result<Arc<MethodSignature>> {
        let MethodDesc { owner, rid, .. } = self.methods[method.at()].clone();
        let (def, ..) = self
            .def_of(owner)
            .expect("methods only exist on definitions");
        let open = self.method_on(def, rid)?;
        self.method_signature(open)
    }
}
