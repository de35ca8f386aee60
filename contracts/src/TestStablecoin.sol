// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/**
 * @title TestStablecoin
 * @notice A dollar-like ERC-20 with 6 decimals for development chains only: the dev stack deploys it next to
 * the other contracts, lists it in the revenue pool, and its owner (the platform operator) mints it for the
 * `/faucet` command. Never deployed on a real chain: production lists real tokens (PAYMENT_TOKENS).
 */
contract TestStablecoin is ERC20, ERC20Permit, Ownable {
    /// @notice The most one mint may create (a faucet, not a printer): 1,000,000 units.
    uint256 public constant MAX_MINT = 1_000_000 * 10 ** 6;

    /// @notice `amount` is above {MAX_MINT}.
    error TestStablecoinMintTooLarge(uint256 amount, uint256 max);

    /// @param owner_ who may mint (the platform operator)
    constructor(address owner_) ERC20("Test USD Coin", "USDC") ERC20Permit("Test USD Coin") Ownable(owner_) {}

    /// @notice 6, like USDC.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to `to`. Only the owner; at most {MAX_MINT} per call.
    function mint(address to, uint256 amount) external onlyOwner {
        if (amount > MAX_MINT) revert TestStablecoinMintTooLarge(amount, MAX_MINT);
        _mint(to, amount);
    }
}
