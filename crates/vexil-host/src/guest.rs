//! One live plugin instance: its store (fuel, memory limit), its exports,
//! and the byte moving of one call.

use wasmtime::{Instance, InstancePre, Memory, ResourceLimiter, Store, Trap, TypedFunc};

use crate::Limits;

/// What the store carries: the memory limit and whether a call hit it.
pub(crate) struct StoreState {
    memory_limit: usize,
    pub hit_memory_limit: bool,
}

impl ResourceLimiter for StoreState {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.memory_limit {
            self.hit_memory_limit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 10_000)
    }
}

/// Why a call produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Fuel or memory ran out (the instance may be damaged when it trapped).
    Limit { message: String, trapped: bool },
    /// The guest trapped for another reason, or broke the ABI.
    Trap(String),
    /// The guest answered `{"error":{…}}`: the call was refused, the instance is fine.
    Refused { code: String, message: String },
}

impl Failure {
    /// Whether the instance must be thrown away.
    pub fn poisons(&self) -> bool {
        match self {
            Failure::Limit { trapped, .. } => *trapped,
            Failure::Trap(_) => true,
            Failure::Refused { .. } => false,
        }
    }
}

#[derive(serde::Deserialize)]
struct Refusal {
    error: RefusalBody,
}

#[derive(serde::Deserialize)]
struct RefusalBody {
    code: String,
    message: String,
}

/// The calls that take a handle and an input.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Call {
    Eval,
    EvalAll,
    Explain,
}

pub(crate) struct Guest {
    store: Store<StoreState>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    load: TypedFunc<(u32, u32), u64>,
    eval: TypedFunc<(u32, u32, u32), u64>,
    eval_all: TypedFunc<(u32, u32, u32), u64>,
    explain: TypedFunc<(u32, u32, u32), u64>,
    /// A block of guest memory kept for inputs, reused call after call.
    input: (u32, u32),
    limits: Limits,
    /// The fuel budget of the call in progress.
    budget: u64,
}

/// The guest's whole state right after a ruleset loaded: its memory and the
/// host's input block in it. Restoring it into a fresh instance gives the
/// loaded ruleset back without compiling it again (a module's only mutable
/// global, the stack pointer, is at its initial value between calls).
pub(crate) struct Snapshot {
    memory: Vec<u8>,
    input: (u32, u32),
}

impl Snapshot {
    /// Bytes of guest memory it holds.
    pub fn len(&self) -> usize {
        self.memory.len()
    }
}

impl Guest {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot { memory: self.memory.data(&self.store).to_vec(), input: self.input }
    }

    /// Copies a snapshot into this (fresh) instance.
    pub fn restore(&mut self, snapshot: &Snapshot) -> Result<(), Failure> {
        const PAGE: usize = 64 * 1024;
        let have = self.memory.data_size(&self.store);
        if snapshot.memory.len() > have {
            let pages = (snapshot.memory.len() - have).div_ceil(PAGE) as u64;
            self.memory.grow(&mut self.store, pages).map_err(|e| self.failure(&e))?;
        }
        let data = self.memory.data_mut(&mut self.store);
        let Some(target) = data.get_mut(..snapshot.memory.len()) else {
            return Err(Failure::Trap("the restored memory is smaller than its snapshot".into()));
        };
        target.copy_from_slice(&snapshot.memory);
        self.input = snapshot.input;
        Ok(())
    }

    /// A fresh instance whose memory may grow to `memory_limit` bytes.
    pub fn new(pre: &InstancePre<StoreState>, limits: Limits, memory_limit: usize) -> Result<Guest, String> {
        let state = StoreState { memory_limit, hit_memory_limit: false };
        let mut store = Store::new(pre.module().engine(), state);
        store.limiter(|state| state as &mut dyn ResourceLimiter);
        store.set_fuel(limits.load_fuel).map_err(|e| e.to_string())?;
        let instance: Instance =
            pre.instantiate(&mut store).map_err(|e| format!("cannot instantiate the plugin: {e}"))?;
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| "the plugin module exports no `memory`".to_owned())?;
        macro_rules! func {
            ($name:literal) => {
                instance
                    .get_typed_func(&mut store, $name)
                    .map_err(|e| format!("the plugin module's `{}` export: {e}", $name))?
            };
        }
        let version: TypedFunc<(), u32> = func!("vexil_abi_version");
        let abi = version.call(&mut store, ()).map_err(|e| e.to_string())?;
        if abi != crate::ABI_VERSION {
            return Err(format!(
                "the plugin module speaks ABI version {abi}, this host version {}: rebuild it with `{}`",
                crate::ABI_VERSION,
                crate::module::BUILD_COMMAND
            ));
        }
        Ok(Guest {
            alloc: func!("vexil_alloc"),
            free: func!("vexil_free"),
            load: func!("vexil_load"),
            eval: func!("vexil_eval"),
            eval_all: func!("vexil_eval_all"),
            explain: func!("vexil_explain"),
            store,
            memory,
            input: (0, 0),
            limits,
            budget: 0,
        })
    }

    /// `vexil_load`: the result's JSON text. The fuel grows with the source
    /// (`Limits::load_fuel_per_byte`), so whatever `vexil check` accepts loads.
    pub fn load(&mut self, source: &[u8]) -> Result<Vec<u8>, Failure> {
        let scaled = (source.len() as u64).saturating_mul(self.limits.load_fuel_per_byte);
        self.begin(self.limits.load_fuel.max(scaled))?;
        let (ptr, len) = self.write_input(source)?;
        let packed = self.load.call(&mut self.store, (ptr, len)).map_err(|e| self.failure(&e))?;
        self.take_result(packed, |bytes| Ok(bytes.to_vec()))
    }

    /// One handle call, the result parsed by `parse` straight from guest memory.
    pub fn call<T>(
        &mut self,
        call: Call,
        handle: u32,
        input: &[u8],
        fuel: u64,
        parse: impl FnOnce(&[u8]) -> Result<T, String>,
    ) -> Result<T, Failure> {
        // Decoding the input (a context) is paid for by its size.
        self.begin(fuel.saturating_add((input.len() as u64).saturating_mul(self.limits.fuel_per_input_byte)))?;
        let (ptr, len) = self.write_input(input)?;
        let func = match call {
            Call::Eval => &self.eval,
            Call::EvalAll => &self.eval_all,
            Call::Explain => &self.explain,
        };
        let packed = func.call(&mut self.store, (handle, ptr, len)).map_err(|e| self.failure(&e))?;
        self.take_result(packed, parse)
    }

    /// Test hook: calls an export with raw arguments, exactly as a buggy or
    /// hostile host could, and reads the result if it is a valid range.
    pub fn raw_call(&mut self, export: &str, args: &[u32]) -> Result<Option<String>, Failure> {
        self.begin(self.limits.fuel)?;
        let instance_func = match export {
            "vexil_load" if args.len() == 2 => {
                self.load.call(&mut self.store, (args[0], args[1])).map_err(|e| self.failure(&e))?
            }
            "vexil_eval" | "vexil_eval_all" | "vexil_explain" if args.len() == 3 => {
                let func = match export {
                    "vexil_eval" => &self.eval,
                    "vexil_eval_all" => &self.eval_all,
                    _ => &self.explain,
                };
                func.call(&mut self.store, (args[0], args[1], args[2])).map_err(|e| self.failure(&e))?
            }
            "vexil_free" if args.len() == 2 => {
                self.free.call(&mut self.store, (args[0], args[1])).map_err(|e| self.failure(&e))?;
                return Ok(None);
            }
            "vexil_alloc" if args.len() == 1 => {
                let ptr = self.alloc.call(&mut self.store, args[0]).map_err(|e| self.failure(&e))?;
                return Ok(Some(ptr.to_string()));
            }
            _ => return Err(Failure::Trap(format!("no export `{export}` taking {} arguments", args.len()))),
        };
        self.take_result(instance_func, |bytes| Ok(String::from_utf8_lossy(bytes).into_owned())).map(Some)
    }

    /// Test hook: writes `bytes` as the input of a handle call (or of
    /// `vexil_load` when `handle` is `None`) and returns the raw result text.
    pub fn raw_input(&mut self, export: &str, handle: Option<u32>, bytes: &[u8]) -> Result<Option<String>, Failure> {
        self.begin(self.limits.fuel)?;
        let (ptr, len) = self.write_input(bytes)?;
        match handle {
            Some(handle) => self.raw_call(export, &[handle, ptr, len]),
            None => self.raw_call(export, &[ptr, len]),
        }
    }

    /// Bytes of guest memory in use.
    pub fn memory_bytes(&self) -> usize {
        self.memory.data_size(&self.store)
    }

    fn begin(&mut self, fuel: u64) -> Result<(), Failure> {
        self.store.data_mut().hit_memory_limit = false;
        self.budget = fuel;
        self.store.set_fuel(fuel).map_err(|e| Failure::Trap(e.to_string()))
    }

    /// Writes an input into the reused input block, growing it when needed.
    fn write_input(&mut self, bytes: &[u8]) -> Result<(u32, u32), Failure> {
        let len = u32::try_from(bytes.len()).map_err(|_| self.too_big(bytes.len()))?;
        if len > self.input.1 {
            let (old_ptr, old_len) = self.input;
            if old_len > 0 {
                self.free.call(&mut self.store, (old_ptr, old_len)).map_err(|e| self.failure(&e))?;
                self.input = (0, 0);
            }
            let want = len.max(old_len.saturating_mul(2)).max(1024);
            let ptr = self.alloc.call(&mut self.store, want).map_err(|e| self.failure(&e))?;
            if ptr == 0 {
                return Err(self.too_big(bytes.len()));
            }
            self.input = (ptr, want);
        }
        let (ptr, _) = self.input;
        self.memory.write(&mut self.store, ptr as usize, bytes).map_err(|e| Failure::Trap(e.to_string()))?;
        Ok((ptr, len))
    }

    fn too_big(&self, len: usize) -> Failure {
        Failure::Limit {
            message: format!(
                "the plugin cannot hold a {len}-byte input within its memory limit of {} bytes",
                self.store.data().memory_limit
            ),
            trapped: false,
        }
    }

    /// Reads a packed result, parses it, frees it.
    fn take_result<T>(&mut self, packed: u64, parse: impl FnOnce(&[u8]) -> Result<T, String>) -> Result<T, Failure> {
        if packed == 0 {
            return Err(Failure::Limit {
                message: format!(
                    "the plugin's result does not fit its memory limit of {} bytes",
                    self.store.data().memory_limit
                ),
                trapped: false,
            });
        }
        let ptr = (packed >> 32) as u32;
        let len = packed as u32;
        let parsed = {
            let data = self.memory.data(&self.store);
            let Some(bytes) = data.get(ptr as usize..ptr as usize + len as usize) else {
                return Err(Failure::Trap(format!("the plugin returned an out-of-bounds result ({ptr}, {len})")));
            };
            if bytes.starts_with(br#"{"error":"#) {
                Err(match serde_json::from_slice::<Refusal>(bytes) {
                    Ok(refusal) => Failure::Refused { code: refusal.error.code, message: refusal.error.message },
                    Err(e) => Failure::Trap(format!("the plugin's error result is malformed: {e}")),
                })
            } else {
                parse(bytes).map_err(|e| Failure::Trap(format!("the plugin's result is malformed: {e}")))
            }
        };
        self.free.call(&mut self.store, (ptr, len)).map_err(|e| self.failure(&e))?;
        parsed
    }

    /// Classifies a trap: a limit (fuel, memory) or anything else.
    fn failure(&self, error: &wasmtime::Error) -> Failure {
        if self.store.data().hit_memory_limit {
            return Failure::Limit {
                message: format!("the plugin reached its memory limit of {} bytes", self.store.data().memory_limit),
                trapped: true,
            };
        }
        if let Some(Trap::OutOfFuel) = error.downcast_ref::<Trap>() {
            return Failure::Limit {
                message: format!("the plugin ran out of fuel (budget {} per call)", self.budget),
                trapped: true,
            };
        }
        let trap = match error.downcast_ref::<Trap>() {
            Some(trap) => trap.to_string(),
            None => error.to_string(),
        };
        Failure::Trap(format!("the plugin trapped ({trap}); the instance is restored from its snapshot"))
    }
}
